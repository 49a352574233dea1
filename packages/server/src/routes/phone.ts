// Phone numbers as the widget and the API accept them: E.164 with or without `+`, spaces,
// dashes, dots and parentheses allowed; stored and sent as digits only.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * The number as digits (E.164 without `+`), or null when it is not a valid number. The `max`
 * metadata checks the number plan of each country, so "+55 11 1234" is refused here rather than
 * producing a pairing code WhatsApp will never accept.
 */
export function normalisePhoneNumber(input: string): string | null {
  const compact = input.trim().replace(/[\s\-.()]/g, '');
  if (!/^\+?\d{6,16}$/.test(compact)) return null;
  const parsed = parsePhoneNumberFromString(compact.startsWith('+') ? compact : `+${compact}`);
  return parsed?.isValid() ? parsed.number.slice(1) : null;
}
