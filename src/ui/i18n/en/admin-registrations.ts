import type { adminRegistrations as zh } from '../zh/admin-registrations.js';

export const adminRegistrations: Record<keyof typeof zh, string> = {
};
