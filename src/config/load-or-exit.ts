import { ConfigError, loadConfig, type Config } from './config.js';

/** For process entries: a configuration problem is printed, variable by variable, and ends the process. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
