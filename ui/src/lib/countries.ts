// The countries whose charts Explore offers (Apple's podcast storefronts, the larger ones), and
// the one to start from: the system's, when it is among them.

export const chartCountries = [
  "ar", "at", "au", "be", "br", "ca", "ch", "cl", "cn", "co", "cz", "de", "dk", "es", "fi", "fr",
  "gb", "gr", "hk", "hu", "id", "ie", "il", "in", "it", "jp", "kr", "mx", "my", "nl", "no", "nz",
  "ph", "pl", "pt", "ro", "ru", "sa", "se", "sg", "th", "tr", "tw", "ua", "us", "vn", "za",
] as const;

/** "Germany" for "de", in the listener's language where the web view knows it. */
export function countryName(code: string, locale?: string): string {
  try {
    const names = new Intl.DisplayNames(locale ? [locale] : undefined, { type: "region" });
    return names.of(code.toUpperCase()) ?? code.toUpperCase();
  } catch {
    return code.toUpperCase();
  }
}

/** The countries to choose from, by name, with `current` among them even if unusual. */
export function countryChoices(current: string): { code: string; name: string }[] {
  const codes: string[] = [...chartCountries];
  if (current && !codes.includes(current)) codes.push(current);
  return codes
    .map((code) => ({ code, name: countryName(code) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
