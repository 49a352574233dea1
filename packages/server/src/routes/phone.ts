// Phone numbers as the widget and the API accept them: E.164 with or without `+`, spaces,
// dashes, dots and parentheses allowed; stored and sent as digits only.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { compactPhoneNumber } from '@titan-connect/protocol';

/**
 * North American numbers reserved for fiction: area code 555, or exchange 555 with line 01xx.
 * The virtual phone of the simulator and the emulator uses one (+1 555 010 0001), so a newcomer
 * can type it into the demo; no real WhatsApp account has one.
 */
const FICTIONAL = /^1(555\d{7}|\d{3}55501\d{2})$/;

export interface PhoneRules {
  /** Accept fictional 555 numbers (only where a virtual phone plays the user's phone). */
  fictional?: boolean;
}

/**
 * The number as digits (E.164 without `+`), or null when it is not a valid number. The `max`
 * metadata checks the number plan of each country, so "+55 11 1234" is refused here rather than
 * producing a pairing code WhatsApp will never accept.
 */
export function normalisePhoneNumber(input: string, rules: PhoneRules = {}): string | null {
  const digits = compactPhoneNumber(input);
  if (!/^\d{6,16}$/.test(digits)) return null;
  if (rules.fictional && FICTIONAL.test(digits)) return digits;
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  return parsed?.isValid() ? parsed.number.slice(1) : null;
}
