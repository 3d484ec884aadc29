/** The admin-settings pages' words (keys: adminSettings.…, and field./problem. codes only these pages meet). */
export const adminSettings = {
} as const;
