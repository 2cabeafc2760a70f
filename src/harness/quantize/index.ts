export * from './errors.ts';
export * from './q.ts';
export * from './int8.ts';
export * from './model.ts';
export * from './io.ts';
