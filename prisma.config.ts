// Read by the Prisma CLI only (generate; migrate deploy where its engine can be downloaded).
// The service applies prisma/migrations itself: see src/storage/migrate.ts.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env['DATABASE_URL'] ?? 'postgresql://localhost:5432/unused' },
});
