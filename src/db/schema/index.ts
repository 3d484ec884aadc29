export * from './reference.js';
export * from './observances.js';
export * from './campaigns.js';
export * from './events.js';
export * from './accounts.js';
export * from './registrations.js';
export * from './outbox.js';
export * from './webhooks.js';
