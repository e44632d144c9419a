using Triggers.Dev.Commands;
using Triggers.Dev.Internal;

// triggers-dev: the local runner. Each command is its own class; this file only routes.
var line = CommandLine.Parse(args);
var command = line.Positional.Count > 0 ? line.Positional[0] : "run";
if (line.Flag("help") || command is "help")
{
    Console.Out.Write(Usage.Text);
    return 0;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx =>
{
    ctx.Cancel = true;
    cts.Cancel();
});

try
{
    return command switch
    {
        "run" => await RunCommand.ExecuteAsync(line, demo: false, Console.Out, cts.Token),
        "demo" => await RunCommand.ExecuteAsync(line, demo: true, Console.Out, cts.Token),
        "validate" => ValidateCommand.Execute(line, Console.Out),
        "publish" => await SendCommands.PublishAsync(line, Console.Out, cts.Token),
        "produce" => await SendCommands.ProduceAsync(line, Console.Out, cts.Token),
        "fire" => await SendCommands.FireAsync(line, Console.Out, cts.Token),
        _ => throw new UsageException($"unknown command '{command}'"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"triggers-dev: {e.Message}");
    Console.Error.Write(Usage.Text);
    return 2;
}
catch (OperationCanceledException) when (cts.IsCancellationRequested)
{
    return 130;
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"triggers-dev: {e.Message}");
    return 1;
}
