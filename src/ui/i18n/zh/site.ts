/** The site pages' words (keys: site.…, and field./problem. codes only these pages meet). */
export const site = {
} as const;
