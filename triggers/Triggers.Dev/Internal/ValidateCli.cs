using System.CommandLine;
using Triggers.Dev.Commands;

namespace Triggers.Dev.Internal;

/// <summary>The command-line shape of <c>validate</c>.</summary>
internal static class ValidateCli
{
    public static Command Create(TextWriter output)
    {
        var path = new Argument<string?>("PATH") { Description = "Manifests folder or file; default deploy/examples/local.", Arity = ArgumentArity.ZeroOrOne };
        var manifests = new Option<string?>("--manifests") { Description = "Same as PATH.", HelpName = "PATH" };
        var json = new Option<bool>("--json") { Description = "One JSON object per line." };
        var verbose = new Option<bool>("--verbose") { Description = "Also list every resource that is fine." };
        var validate = new Command("validate", "Checks manifests the way the workers do; every problem names file, document and field. Exit code 1 when there are errors.")
        {
            path, manifests, json, verbose,
        };
        validate.SetAction(r => ValidateCommand.Execute(r.GetValue(path) ?? r.GetValue(manifests), r.GetValue(json), r.GetValue(verbose), output));
        return validate;
    }
}
