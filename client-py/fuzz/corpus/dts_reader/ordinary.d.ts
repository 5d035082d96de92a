/** Adds two numbers. */
export declare function add(a: number, b: number): number
export declare function hash(input: string | Buffer, seed?: number | null): Promise<bigint>
export interface Options { level?: number; name: string; callback: (err: Error | null, value: Uint8Array) => void }
export declare class Hasher {
  constructor(seed?: number)
  update(input: Buffer): this
  digest(): bigint
  static of(input: string): Hasher
}
export declare const enum Kind { A = 0, B = 1, C = 'c' }
export type Pair = [number, string]
export declare const VERSION: string
