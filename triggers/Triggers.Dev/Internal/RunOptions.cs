using System.CommandLine;
using Triggers.Dev.Embedded;

namespace Triggers.Dev.Internal;

/// <summary>The options of <c>run</c> and <c>demo</c> (and of <c>triggers-dev</c> alone, which runs).</summary>
internal sealed class RunOptions
{
    private readonly Argument<string?> _path = new("PATH") { Description = "Manifests folder (same as --manifests).", Arity = ArgumentArity.ZeroOrOne };
    private readonly Option<string?> _manifests = new("--manifests") { Description = "Folder of *.yaml/*.yml manifests; default deploy/examples/local found from the current folder upwards.", HelpName = "PATH" };
    private readonly Option<string?> _nats = new("--nats") { Description = "Use this NATS server instead of starting one.", HelpName = "URL" };
    private readonly Option<string?> _kafka = new("--kafka") { Description = "Use these Kafka brokers instead of the embedded mock cluster.", HelpName = "BOOTSTRAP" };
    private readonly Option<string?> _state = new("--state") { Description = "Cron state file; default one per manifests folder under the temp folder.", HelpName = "FILE" };
    private readonly Option<string?> _session = new("--session") { Description = "Session file that publish, produce and fire read.", HelpName = "FILE", Hidden = true };
    private readonly Option<bool> _verbose = new("--verbose") { Description = "Log the workers at Information." };
    private readonly Option<bool> _json = new("--json") { Description = "One JSON object per line." };
    private readonly Option<bool> _watch = new("--watch") { Description = "Keep running after the samples." };
    private readonly Option<int> _functionsPort = new("--functions-port") { Description = "Port of the demo functions.", DefaultValueFactory = _ => DemoFunctions.DefaultPort, HelpName = "N" };
    private readonly bool _demo;

    private RunOptions(bool demo) => _demo = demo;

    public static RunOptions Create(bool demo) => new(demo);

    /// <summary>Adds the options; <paramref name="withPath"/> adds the PATH argument too (not on the root, where a stray word is an unknown command).</summary>
    public void AddTo(Command command, bool withPath = true)
    {
        if (withPath)
        {
            command.Arguments.Add(_path);
        }

        foreach (var option in new Option[] { _manifests, _nats, _kafka, _state, _session, _verbose, _json })
        {
            command.Options.Add(option);
        }

        if (_demo)
        {
            command.Options.Add(_watch);
            command.Options.Add(_functionsPort);
        }
    }

    public RunArguments Read(ParseResult result) => new(
        result.GetValue(_manifests) ?? result.GetValue(_path),
        result.GetValue(_nats),
        result.GetValue(_kafka),
        result.GetValue(_state),
        result.GetValue(_session) ?? Session.DefaultPath,
        result.GetValue(_verbose),
        result.GetValue(_json),
        _demo && result.GetValue(_watch),
        _demo ? result.GetValue(_functionsPort) : DemoFunctions.DefaultPort);
}
