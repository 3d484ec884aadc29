import type { adminEvents as zh } from '../zh/admin-events.js';

export const adminEvents: Record<keyof typeof zh, string> = {
};
