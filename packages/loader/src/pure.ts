export const mount = (): void => {};
