// Nest's two logger modules each build an Intl.DateTimeFormat as they load, for the timestamps of
// its coloured text logs. Building one reads the locale's and time zones' ICU data: about 6 MB of
// resident memory in every process, which a service logging JSON never uses. While @nestjs/common
// loads, the formatters it builds are made on their first use instead; Intl is restored after.
function loadWithLazyDateFormat(load) {
  const Eager = Intl.DateTimeFormat;
  function Lazy(locales, options) {
    let real;
    const made = () => (real ??= new Eager(locales, options));
    return new Proxy(Object.create(Eager.prototype), {
      get(_target, key) {
        const value = Reflect.get(made(), key);
        return typeof value === 'function' ? value.bind(made()) : value;
      },
    });
  }
  // Code that only asks which locales are supported, while loading, is answered as before.
  Lazy.supportedLocalesOf = (...args) => Eager.supportedLocalesOf(...args);
  Intl.DateTimeFormat = Lazy;
  try {
    return load();
  } finally {
    Intl.DateTimeFormat = Eager;
  }
}

module.exports = { loadWithLazyDateFormat };
