import t from 'tap';
import { ConfigError, checkServerConfig, loadConfig } from '../src/config.js';

t.test('defaults', async (t) => {
  const config = loadConfig({});
  t.equal(config.PORT, 3000);
  t.equal(config.HOST, '127.0.0.1');
  t.equal(config.DATA_DIR, './data');
  t.equal(config.CALENDAR_TIMEZONE, 'Asia/Shanghai');
  t.equal(config.DATABASE_URL, undefined, 'no DATABASE_URL means the embedded database');
  t.equal(config.PUBLIC_BASE_URL, 'http://127.0.0.1:3000', 'derived from HOST and PORT');
});

t.test('values are converted and a trailing slash is dropped', async (t) => {
  const config = loadConfig({ PORT: '8080', PUBLIC_BASE_URL: 'https://kepu.example.cn/', SEED_DEMO: 'false', DATABASE_URL: 'postgres://u@h/db' });
  t.equal(config.PORT, 8080);
  t.equal(config.PUBLIC_BASE_URL, 'https://kepu.example.cn');
  t.equal(config.SEED_DEMO, false);
  t.equal(config.DATABASE_URL, 'postgres://u@h/db');
});

t.test('bad values stop the start with every variable named', async (t) => {
  const error = t.throws(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', PUBLIC_BASE_URL: 'kepu.cn' })) as Error;
  t.type(error, ConfigError);
  t.match(error.message, /PORT/);
  t.match(error.message, /DATABASE_URL/);
  t.match(error.message, /PUBLIC_BASE_URL/);
  t.throws(() => loadConfig({ PORT: '70000' }), /PORT/);
  t.throws(() => loadConfig({ CALENDAR_TIMEZONE: 'Mars/Olympus' }), /CALENDAR_TIMEZONE: not an IANA time zone/);
  t.throws(() => loadConfig({ ADMIN_PASSWORD: 'short' }), /ADMIN_PASSWORD/);
  t.throws(() => loadConfig({ ADMIN_EMAIL: 'not an address' }), /ADMIN_EMAIL/);
});

t.test('TZ is not read: the calendar zone comes from CALENDAR_TIMEZONE only', async (t) => {
  t.equal(loadConfig({ TZ: 'America/New_York' }).CALENDAR_TIMEZONE, 'Asia/Shanghai');
});

t.test('the API server on the embedded database must send its own mail, and says how to start it instead', async (t) => {
  const error = t.throws(() => checkServerConfig(loadConfig({ OUTBOX_WORKER: 'false' }))) as Error;
  t.type(error, ConfigError);
  t.match(error.message, /OUTBOX_WORKER: must be on with the embedded database/);
  t.match(error.message, /`npm run serve` is for PostgreSQL: set DATABASE_URL and run `npm run worker` beside it/);
  t.match(error.message, /start with `npm start`/);
  t.doesNotThrow(() => checkServerConfig(loadConfig({})), 'the embedded default sends its own mail');
  t.doesNotThrow(() => checkServerConfig(loadConfig({ OUTBOX_WORKER: 'false', DATABASE_URL: 'postgres://u@h/db' })), 'on PostgreSQL workers may send it');
});
