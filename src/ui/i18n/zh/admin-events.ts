/** The admin-events pages' words (keys: adminEvents.…, and field./problem. codes only these pages meet). */
export const adminEvents = {
} as const;
