// A shape check only, so the user hears about a typo before a round trip: which numbers exist
// is the server's call (libphonenumber, which would also blow the 20 KB page budget here), and
// the server alone knows when a fictional number is fine, such as the emulator's virtual phone
// +1 555 010 0001 in emulated and simulator modes.

export type PhoneProblem = 'required' | 'characters' | 'country-code' | 'too-short' | 'too-long';

export type PhoneCheck = { ok: true; digits: string } | { ok: false; problem: PhoneProblem };

/**
 * Accepts `+55 11 91234-5678`, `0055 11 91234 5678`, `55 (11) 91234.5678`: an international number,
 * `+` or `00` optional, spaces, dashes, dots and parentheses allowed; 8 to 15 digits (E.164).
 * Never judges whether the number exists: `+1 555 010 0001` passes.
 */
export const checkPhoneNumber = (input: string): PhoneCheck => {
  const trimmed = input.trim();
  if (trimmed === '') return { ok: false, problem: 'required' };
  if (!/^\+?[\d\s\-.()]+$/.test(trimmed)) return { ok: false, problem: 'characters' };
  let digits = trimmed.replace(/\D/g, '');
  if (!trimmed.startsWith('+') && digits.startsWith('00')) digits = digits.slice(2);
  // A national number starts with a trunk `0` (`011 …`); country codes never start with 0.
  else if (digits.startsWith('0')) return { ok: false, problem: 'country-code' };
  if (digits.length < 8) return { ok: false, problem: 'too-short' };
  if (digits.length > 15) return { ok: false, problem: 'too-long' };
  return { ok: true, digits };
};

// Calling code → ISO region for the most common WhatsApp countries; the name comes from
// `Intl.DisplayNames` in the user's language, so this table is the only data shipped. One string
// of `<code><region>` words: half the bytes of an object literal.
const REGIONS = Object.fromEntries(
  (
    '1US 7RU 20EG 27ZA 30GR 31NL 32BE 33FR 34ES 36HU 39IT 40RO 41CH 43AT 44GB 45DK 46SE 47NO 48PL 49DE 51PE 52MX 53CU ' +
    '54AR 55BR 56CL 57CO 58VE 60MY 61AU 62ID 63PH 64NZ 65SG 66TH 81JP 82KR 84VN 86CN 90TR 91IN 92PK 94LK 98IR 212MA ' +
    '213DZ 234NG 233GH 254KE 255TZ 351PT 353IE 380UA 502GT 503SV 504HN 505NI 506CR 507PA 591BO 593EC 595PY 598UY ' +
    '966SA 971AE 972IL 880BD'
  )
    .split(' ')
    .map((entry) => [entry.slice(0, -2), entry.slice(-2)]),
) as Record<string, string>;

/** The region of an international number's calling code (`5511…` → `BR`), or null. */
export const regionOf = (input: string): string | null => {
  let digits = input.replace(/\D/g, '');
  if (!input.trim().startsWith('+') && digits.startsWith('00')) digits = digits.slice(2);
  for (const length of [3, 2, 1]) {
    const region = REGIONS[digits.slice(0, length)];
    if (region && digits.length > length) return region;
  }
  return null;
};

/** The country's name in `locale`, e.g. `Brasil` for `BR` in `pt-BR`. */
export const regionName = (region: string, locale: string): string => {
  try {
    return new Intl.DisplayNames([locale], { type: 'region' }).of(region) ?? region;
  } catch {
    return region;
  }
};
