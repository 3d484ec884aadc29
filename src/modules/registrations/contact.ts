import { fieldError, type FieldProblem } from '../../lib/problems.js';

/** The digits of a phone number as we store them: spaces, dashes and a +86 prefix dropped. */
export const phoneDigits = (input: string) => input.replace(/[\s-]/g, '').replace(/^(\+?86)(?=1\d{10}$)/, '');

/** A mainland mobile number: 11 digits starting with 1 (spaces, dashes and a +86 prefix are allowed in input). */
export function normalizePhone(input: string, pointer: string, errors: FieldProblem[]): string {
  const digits = phoneDigits(input);
  if (!/^1\d{10}$/.test(digits)) errors.push(fieldError(pointer, 'must be a mainland mobile number: 11 digits starting with 1', 'phone_format'));
  return digits;
}

export const normalizeEmail = (input: string) => input.trim().toLowerCase();

/** Names of schools and classes compare without stray or doubled spaces. */
export const normalizeText = (input: string) => input.trim().replace(/\s+/g, ' ');
