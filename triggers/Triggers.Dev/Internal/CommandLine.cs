namespace Triggers.Dev.Internal;

/// <summary>A parsed command line: positional words and <c>--name value</c> / <c>--flag</c> options.</summary>
internal sealed class CommandLine
{
    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal) { "json", "watch", "help", "no-demo-functions" };
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);

    private CommandLine(List<string> positional) => Positional = positional;

    public IReadOnlyList<string> Positional { get; }

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var positional = new List<string>();
        var parsed = new CommandLine(positional);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "-h")
            {
                parsed._options["help"] = "true";
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2)
            {
                var name = arg[2..];
                var eq = name.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    parsed._options[name[..eq]] = name[(eq + 1)..];
                }
                else if (Flags.Contains(name) || i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    parsed._options[name] = "true";
                }
                else
                {
                    parsed._options[name] = args[++i];
                }
            }
            else
            {
                positional.Add(arg);
            }
        }

        return parsed;
    }

    public string? Option(string name) => _options.GetValueOrDefault(name);

    public bool Flag(string name) => _options.TryGetValue(name, out var v) && v is "true" or "1" or "yes";

    public IEnumerable<string> OptionNames => _options.Keys;
}

/// <summary>A usage error: printed with the usage text, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
