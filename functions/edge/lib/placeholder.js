export const x = "!";
