export declare function add(add: number, $x: { add: number; }): [];
