import { loadConfig } from '../config.js';
import { openDatabase } from '../db/open.js';
import { seedDatabase } from '../../seeds/seed.js';

/** `npm run seed`: adds whatever demo data is missing; running it twice changes nothing. */
const config = loadConfig();
const database = await openDatabase(config);
try {
  const report = await seedDatabase(database.db, { timezone: config.CALENDAR_TIMEZONE });
  console.log(JSON.stringify(report, null, 2));
} finally {
  await database.close();
}
