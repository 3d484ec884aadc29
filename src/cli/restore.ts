import { loadConfig } from '../config.js';
import { BackupRefused, restoreDatabase } from '../db/backup.js';

/** `npm run restore <file> [--force]`: a backup from `npm run backup` put back (see src/db/backup.ts). */
const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('Usage: npm run restore -- <backup file> [--force]');
  process.exit(2);
}
try {
  await restoreDatabase(loadConfig(), file, { force: args.includes('--force') });
  console.log(`Restored ${file}`);
} catch (error) {
  console.error(`Restore failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof BackupRefused ? 2 : 1);
}
