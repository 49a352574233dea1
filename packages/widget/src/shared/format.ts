/**
 * `5511912345678` → `+5511912345678`. Grouping digits is country-specific (and would need
 * libphonenumber's data); `+` and the digits read correctly everywhere.
 */
export const formatPhone = (digits: string | null | undefined): string => (digits ? `+${digits.replace(/\D/g, '')}` : '');
