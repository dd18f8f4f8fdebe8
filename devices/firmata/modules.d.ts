// Neither package ships types; board.ts states the parts it uses as interfaces.
declare module 'firmata-io' {
  const bindTransport: unknown;
  export default bindTransport;
}

declare module 'johnny-five' {
  const five: unknown;
  export default five;
}
