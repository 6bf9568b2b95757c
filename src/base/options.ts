/**
 * Validation for options trees. Each stage states its defaults once (`FIT_DEFAULTS`, ...) and an
 * `expand...Options` fills in what the caller left out and checks every value, throwing an
 * OptionError that names the option by its path in the tree ("fit.iterations").
 */

export class OptionError extends Error {
  constructor(
    /** Path of the offending option in the options tree, e.g. "fit.iterations". */
    readonly option: string,
    message: string,
  ) {
    super(message);
    this.name = 'OptionError';
  }
}

export interface NumberRange {
  /** Smallest allowed value; `exclusive` makes it a strict bound. */
  min?: number;
  exclusive?: boolean;
  max?: number;
  integer?: boolean;
}

/** `value` if it is a number in `range` (finite unless max is Infinity), else an OptionError naming `option`. */
export function checkNumber(option: string, value: unknown, range: NumberRange = {}): number {
  const ok = typeof value === 'number' && !Number.isNaN(value)
    && (range.integer ? Number.isInteger(value) : Number.isFinite(value) || (value === Infinity && range.max === Infinity))
    && (range.min === undefined || (range.exclusive ? value > range.min : value >= range.min))
    && (range.max === undefined || value <= range.max);
  if (ok) return value;
  const bounds = [
    range.min !== undefined ? `${range.exclusive ? '>' : '>='} ${range.min}` : '',
    range.max !== undefined && range.max !== Infinity ? `<= ${range.max}` : '',
  ].filter(Boolean).join(' and ');
  const kind = range.integer ? 'an integer' : 'a number';
  throw new OptionError(option, `${option} must be ${kind}${bounds ? ` ${bounds}` : ''} (got ${describe(value)})`);
}

export function checkBoolean(option: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  throw new OptionError(option, `${option} must be true or false (got ${describe(value)})`);
}

/** Throws when `options` is not a plain object or has a key not in `known` (a misspelt option); `path` '' is the root. */
export function checkKeys(path: string, options: unknown, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new OptionError(path, `${path || 'options'} must be an object (got ${describe(options)})`);
  }
  for (const key of Object.keys(options)) {
    const name = path ? `${path}.${key}` : key;
    if (!known.includes(key)) throw new OptionError(name, `${name} is not an option (known: ${known.join(', ')})`);
  }
}

/** `options` over `defaults`, where a key given as undefined takes its default. */
export function withDefaults<T extends object>(defaults: T, options: NoInfer<Partial<T>>): T {
  const out = { ...defaults };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  return out;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null || typeof value !== 'object') return String(value);
  return 'an object';
}
