// `turbo run //#print-env -- NAME…`: prints the named variables as a turbo task sees them, one
// `NAME=value` line each (`NAME unset` when absent). The test of turbo's environment uses it to
// show that the machine's TLS trust and proxy settings reach every task (turbo runs tasks in strict
// environment mode: only the variables turbo.json lists get through).
for (const name of process.argv.slice(2)) {
  const value = process.env[name];
  console.log(value === undefined ? `${name} unset` : `${name}=${value}`);
}
