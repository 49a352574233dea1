/** `5511912345678` → `+55 11912345678`-ish grouping is country-specific; `+` and digits is honest everywhere. */
export const formatPhone = (digits: string | null | undefined): string => (digits ? `+${digits.replace(/\D/g, '')}` : '');
