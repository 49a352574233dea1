// Light client-side checks so the user hears about a typo before a round trip. The server
// validates fully (libphonenumber); shipping that here would blow the 20 KB page budget.

export type PhoneProblem = 'required' | 'characters' | 'country-code' | 'too-short' | 'too-long';

export type PhoneCheck = { ok: true; digits: string } | { ok: false; problem: PhoneProblem };

/**
 * Accepts `+55 11 91234-5678`, `0055 11 91234 5678`, `55 (11) 91234.5678`: an international number,
 * `+` or `00` optional, spaces, dashes, dots and parentheses allowed; 8 to 15 digits (E.164).
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
// `Intl.DisplayNames` in the user's language, so this table is the only data shipped.
const REGIONS: Record<string, string> = {
  '1': 'US', '7': 'RU', '20': 'EG', '27': 'ZA', '30': 'GR', '31': 'NL', '32': 'BE', '33': 'FR', '34': 'ES',
  '36': 'HU', '39': 'IT', '40': 'RO', '41': 'CH', '43': 'AT', '44': 'GB', '45': 'DK', '46': 'SE', '47': 'NO',
  '48': 'PL', '49': 'DE', '51': 'PE', '52': 'MX', '53': 'CU', '54': 'AR', '55': 'BR', '56': 'CL', '57': 'CO',
  '58': 'VE', '60': 'MY', '61': 'AU', '62': 'ID', '63': 'PH', '64': 'NZ', '65': 'SG', '66': 'TH', '81': 'JP',
  '82': 'KR', '84': 'VN', '86': 'CN', '90': 'TR', '91': 'IN', '92': 'PK', '94': 'LK', '98': 'IR', '212': 'MA',
  '213': 'DZ', '234': 'NG', '233': 'GH', '254': 'KE', '255': 'TZ', '351': 'PT', '353': 'IE', '380': 'UA',
  '502': 'GT', '503': 'SV', '504': 'HN', '505': 'NI', '506': 'CR', '507': 'PA', '591': 'BO', '593': 'EC',
  '595': 'PY', '598': 'UY', '966': 'SA', '971': 'AE', '972': 'IL', '880': 'BD',
};

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
