/** A phone number as WhatsApp addresses it: digits only, E.164 without `+`. */
export const PHONE_DIGITS_PATTERN = /^\d{6,15}$/;

/** What people type around the digits: spaces, dashes, dots, parentheses, and a leading `+`. */
export const compactPhoneNumber = (input: string): string => input.trim().replace(/[\s\-.()]/g, '').replace(/^\+/, '');

export const isPhoneDigits = (value: string): boolean => PHONE_DIGITS_PATTERN.test(value);
