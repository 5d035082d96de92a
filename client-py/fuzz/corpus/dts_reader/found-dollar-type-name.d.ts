export declare function _(): number;
export type $x = number;
