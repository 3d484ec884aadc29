import { loadConfig } from '../config.js';
import { backupDatabase, BackupRefused } from '../db/backup.js';

/** `npm run backup [file]`: the database (DATABASE_URL's, or the embedded one) into a file; prints its path. */
try {
  console.log(await backupDatabase(loadConfig(), { ...(process.argv[2] ? { file: process.argv[2] } : {}) }));
} catch (error) {
  console.error(`Backup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof BackupRefused ? 2 : 1);
}
