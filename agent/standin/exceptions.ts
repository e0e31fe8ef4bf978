/**
 * The stand-in's exceptions, named after Odoo's classes, and Python-like value printing for messages.
 */
export class OdooException extends Error {
  /** Odoo's exception class, e.g. `odoo.exceptions.ValidationError`. */
  readonly odooName: string;
  constructor(odooName: string, message: string) {
    super(message);
    this.odooName = odooName;
  }
}

export const validationError = (message: string): OdooException => new OdooException('odoo.exceptions.ValidationError', message);
export const accessError = (message: string): OdooException => new OdooException('odoo.exceptions.AccessError', message);

/** An integer as Odoo reads it from JSON: JSON.stringify writes 1e21 and beyond with an exponent, which Python reads as a float. */
export const isInt = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 1e21;

/** A value as Python's repr would show it in Odoo's messages, near enough. */
export const repr = (value: unknown): string => {
  if (value === undefined || value === null) return 'None';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return JSON.stringify(value);
};

/** Python's len(): code points, not UTF-16 units. */
const codePoints = (value: string): number => [...value].length;

/** Text PostgreSQL can store: no NUL, no lone surrogate. */
const isText = (value: string): boolean =>
  !value.includes('\u0000') && !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value);

/** As the addon's tools.check_str: a string of low to high characters, not blank when low > 0, storable. */
export function checkStr(name: string, value: unknown, low: number, high: number): asserts value is string {
  if (typeof value !== 'string' || codePoints(value) < low || codePoints(value) > high || (low > 0 && value.trim() === '')) {
    throw validationError(`${name} must be a string of ${low} to ${high} characters, got ${repr(value)}`);
  }
  if (!isText(value)) throw validationError(`${name} must be text without NUL characters or lone surrogates, got ${repr(value)}`);
}

/** As the addon's tools.check_int: an integer from low to high. */
export function checkInt(name: string, value: unknown, low: number, high: number): asserts value is number {
  if (!isInt(value) || value < low || value > high)
    throw validationError(`${name} must be an integer from ${low} to ${high}, got ${repr(value)}`);
}

/** As the addon's tools.pick_warehouses: false, or a list of 1 to 1000 non-blank strings. */
export function checkWarehouseCodes(value: unknown): asserts value is false | string[] {
  if (value === false) return;
  if (
    !Array.isArray(value) ||
    value.length < 1 ||
    value.length > 1000 ||
    value.some((code) => typeof code !== 'string' || code.trim() === '')
  ) {
    throw validationError(`warehouses must be False or a list of 1 to 1000 warehouse codes, got ${repr(value).slice(0, 200)}`);
  }
}
