// License flags (programs/tessera-registry/src/constants.rs).

export const LICENSE_FLAGS = [
  { bit: 1 << 0, name: "Commercial use" },
  { bit: 1 << 1, name: "Fine-tuning / derivative models" },
  { bit: 1 << 2, name: "Redistribution" },
] as const;

export function licenseNames(flags: number): string[] {
  return LICENSE_FLAGS.filter((f) => flags & f.bit).map((f) => f.name);
}
