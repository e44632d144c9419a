using System.Runtime.InteropServices;
using Triggers.Dev.Internal;

// triggers-dev: the local runner. Cli builds the command tree (System.CommandLine); each command
// is its own class. This file owns the process: cancellation on Ctrl+C and SIGTERM, exit codes,
// and errors as one line on stderr, never a stack trace.
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
{
    ctx.Cancel = true;
    cts.Cancel();
});

return await Cli.RunAsync(args, Console.Out, Console.Error, cts.Token);
