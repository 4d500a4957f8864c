-- Every write raises its tenant's event counter (decision 0005): a few rows updated thousands of
-- times a minute. Room on each page for the new versions (fillfactor) and a vacuum after every
-- thousand updates keep those updates cheap; npm run bench measured writes and event delivery
-- slowing several-fold once the tenants table had bloated.
ALTER TABLE tenants SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
