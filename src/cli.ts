import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `kube-compliance` headless CLI. Subcommands are added by the results model. */
function main(argv: string[]): number {
  const [cmd] = argv;
  if (cmd === '--version' || cmd === '-v') {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  process.stdout.write('Usage: kube-compliance --version\n');
  return cmd === undefined || cmd === '--help' || cmd === '-h' ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
