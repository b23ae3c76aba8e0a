/**
 * node:test options for a test that needs something this machine may lack (python3-torch, a
 * Debian data package): a skip reason when it is absent. Under CI (`CI` set) scripts/setup.sh has
 * installed everything, so a missing requirement throws instead: the suite fails, never skips.
 */
export function requires(present: boolean, what: string): { skip?: string } {
  if (present) return {};
  if (process.env.CI) throw new Error(`CI is set but ${what} is missing: run scripts/setup.sh`);
  return { skip: `${what} is missing` };
}
