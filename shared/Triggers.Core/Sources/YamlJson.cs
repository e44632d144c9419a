using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Triggers.Core.Sources;

/// <summary>YAML trees to JSON, typing plain scalars by the YAML 1.2 core schema. Aliases are expanded: load through <see cref="YamlGuard"/> first.</summary>
public static class YamlJson
{
    /// <summary>Converts a YAML tree to JSON following YAML 1.2 core schema typing of plain scalars.</summary>
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => ToJsonObject(map),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => ScalarToJson(scalar),
        _ => null,
    };

    private static JsonObject ToJsonObject(YamlMappingNode map)
    {
        var obj = new JsonObject();
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var key = keyNode is YamlScalarNode s ? s.Value ?? "" : throw new YamlException(keyNode.Start, keyNode.End, "mapping keys must be scalars");
            if (obj.ContainsKey(key))
            {
                throw new YamlException(keyNode.Start, keyNode.End, $"duplicate key \"{key}\"");
            }

            obj[key] = ToJson(valueNode);
        }

        return obj;
    }

    private static JsonNode? ScalarToJson(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any))
        {
            return JsonValue.Create(value);
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (value.Length > 0 && (char.IsAsciiDigit(value[0]) || value[0] is '-' or '+' or '.') &&
            double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
        {
            return JsonValue.Create(real);
        }

        return JsonValue.Create(value);
    }
}
