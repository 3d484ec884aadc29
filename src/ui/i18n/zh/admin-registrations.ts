/** The admin-registrations pages' words (keys: adminRegistrations.…, and field./problem. codes only these pages meet). */
export const adminRegistrations = {
} as const;
