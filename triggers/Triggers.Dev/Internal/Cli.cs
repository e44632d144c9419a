using System.CommandLine;
using System.CommandLine.Parsing;
using Triggers.Dev.Commands;

namespace Triggers.Dev.Internal;

/// <summary>The command tree of <c>triggers-dev</c>: per-command help, <c>--version</c>, unknown options are errors.</summary>
internal static class Cli
{
    private const string Description = "triggers-dev: run Kubeless NATS, Kafka and cron triggers locally, no cluster needed.";

    /// <summary>Parses and runs one command line; returns the exit code (2 for usage errors, 1 for failures, 130 when cancelled).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var root = Build(output, cancellationToken);
        var parsed = root.Parse(args);
        var errors = parsed.Errors.Select(e => e.Message).Concat(UnknownOptions(parsed)).Distinct().ToList();
        if (errors.Count > 0)
        {
            foreach (var message in errors)
            {
                await error.WriteLineAsync($"triggers-dev: {Explain(message, args)}").ConfigureAwait(false);
            }

            await error.WriteLineAsync($"Usage: see 'triggers-dev {CommandName(parsed)}--help'.").ConfigureAwait(false);
            return 2;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"triggers-dev: {e.Message}").ConfigureAwait(false);
            await error.WriteLineAsync($"Usage: see 'triggers-dev {CommandName(parsed)}--help'.").ConfigureAwait(false);
            return 2;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 130;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A failure the user can act on (closed port, broker down, bad file): one line, no stack.
            await error.WriteLineAsync($"triggers-dev: {Message(e)}").ConfigureAwait(false);
            return 1;
        }
    }

    private static RootCommand Build(TextWriter output, CancellationToken cancellationToken)
    {
        var root = new RootCommand(Description);
        var run = RunOptions.Create(demo: false);
        run.AddTo(root, withPath: false);
        root.SetAction(r => RunCommand.ExecuteAsync(run.Read(r), demo: false, output, cancellationToken));

        var runCommand = new Command("run", "Runs the NATS, Kafka and cron workers in one process over a folder of manifests (default deploy/examples/local), reloading it on change. Without --nats it starts nats-server, without --kafka an embedded Kafka (librdkafka's mock cluster). Ctrl+C stops everything.");
        var runOptions = RunOptions.Create(demo: false);
        runOptions.AddTo(runCommand);
        runCommand.SetAction(r => RunCommand.ExecuteAsync(runOptions.Read(r), demo: false, output, cancellationToken));
        root.Subcommands.Add(runCommand);

        var demo = new Command("demo", "run, plus demo functions on 127.0.0.1:18080 and sample events; exits 0 once every sample is delivered, unless --watch.");
        var demoOptions = RunOptions.Create(demo: true);
        demoOptions.AddTo(demo);
        demo.SetAction(r => RunCommand.ExecuteAsync(demoOptions.Read(r), demo: true, output, cancellationToken));
        root.Subcommands.Add(demo);

        root.Subcommands.Add(SendCli.Publish(output, cancellationToken));
        root.Subcommands.Add(SendCli.Produce(output, cancellationToken));
        root.Subcommands.Add(SendCli.Fire(output, cancellationToken));
        root.Subcommands.Add(ValidateCli.Create(output));
        return root;
    }

    /// <summary>
    /// A word that looks like an option but is none (<c>validate --bogus</c>) would otherwise be
    /// taken as the value of an argument; after <c>--</c> anything is a value.
    /// </summary>
    private static IEnumerable<string> UnknownOptions(ParseResult parsed)
    {
        foreach (var token in parsed.Tokens)
        {
            if (token.Type == TokenType.DoubleDash)
            {
                yield break;
            }

            if (token.Type == TokenType.Argument && token.Value.Length > 1 && token.Value[0] == '-' && !char.IsAsciiDigit(token.Value[1]))
            {
                yield return $"unknown option '{token.Value}'";
            }
        }
    }

    /// <summary>"unknown command 'x'" for a first word that is no command; the parser's own message otherwise.</summary>
    private static string Explain(string message, string[] args) =>
        args.Length > 0 && !args[0].StartsWith('-') && message.Contains($"'{args[0]}'", StringComparison.Ordinal)
            ? $"unknown command '{args[0]}'"
            : message;

    private static string CommandName(ParseResult parsed) =>
        parsed.CommandResult.Command is RootCommand ? "" : parsed.CommandResult.Command.Name + " ";

    private static string Message(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: 1 } aggregate => Message(aggregate.InnerExceptions[0]),
        _ => e.Message,
    };
}
