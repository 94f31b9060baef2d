// What cron runs for a crontab line (crontab(5)): the command field, cut at the first "%" that no
// backslash escapes (the rest is the command's stdin), with "\%" turned into "%". cron hands the
// result to /bin/sh -c. (No cron daemon here: it would run a line once a minute at the soonest.)
export function cronCommand(line: string): string {
  const field = line.split(' ').slice(5).join(' ');
  let command = '';
  for (let i = 0; i < field.length; i++) {
    if (field[i] === '\\' && field[i + 1] === '%') command += field[++i];
    else if (field[i] === '%') break;
    else command += field[i];
  }
  return command;
}

/** The log redirection every printed crontab line ends with. */
export const CRON_LOG = / >> \/var\/log\/deploy-tls-rotate\.log 2>&1$/;
