/** A rejected setting value; the message says what is allowed, after "expected". */
export class InvalidValue extends Error {}
