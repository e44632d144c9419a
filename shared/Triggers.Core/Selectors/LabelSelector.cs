using System.Collections.Frozen;
using k8s.Models;

namespace Triggers.Core.Selectors;

/// <summary>
/// A compiled Kubernetes label selector. Semantics follow <c>metav1.LabelSelectorAsSelector</c>:
/// a missing (null) selector matches nothing, an empty selector matches everything, all
/// requirements are ANDed, and <c>NotIn</c>/<c>DoesNotExist</c> match objects without the label.
/// </summary>
public sealed class LabelSelector
{
    private readonly Requirement[] _requirements;

    private LabelSelector(Requirement[] requirements, bool matchesNothing)
    {
        _requirements = requirements;
        MatchesNothing = matchesNothing;
    }

    /// <summary>A selector that matches no object (what a missing selector means).</summary>
    public static LabelSelector Nothing { get; } = new([], matchesNothing: true);

    /// <summary>A selector that matches every object (what an empty selector means).</summary>
    public static LabelSelector Everything { get; } = new([], matchesNothing: false);

    public bool MatchesNothing { get; }

    public bool MatchesEverything => !MatchesNothing && _requirements.Length == 0;

    /// <summary>The ANDed requirements, for <see cref="LabelIndex{T}"/> to pick candidates by.</summary>
    internal ReadOnlySpan<Requirement> Requirements => _requirements;

    /// <summary>Compiles a selector, or returns an error naming the offending field (relative to the selector).</summary>
    public static bool TryCompile(V1LabelSelector? selector, out LabelSelector compiled, out string? error)
    {
        error = null;
        compiled = Nothing;
        if (selector is null)
        {
            return true;
        }

        var requirements = new List<Requirement>();
        if (selector.MatchLabels is not null)
        {
            foreach (var (key, value) in selector.MatchLabels.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (LabelSyntax.ValidateKey(key) is { } keyError)
                {
                    error = $"matchLabels: key \"{key}\": {keyError}";
                    return false;
                }

                if (LabelSyntax.ValidateValue(value ?? "") is { } valueError)
                {
                    error = $"matchLabels[{key}]: value \"{value}\": {valueError}";
                    return false;
                }

                requirements.Add(new Requirement(key, Operator.In, FrozenSet.Create(StringComparer.Ordinal, value ?? "")));
            }
        }

        if (selector.MatchExpressions is not null)
        {
            for (var i = 0; i < selector.MatchExpressions.Count; i++)
            {
                var expression = selector.MatchExpressions[i];
                var where = $"matchExpressions[{i}]";
                if (expression is null)
                {
                    error = $"{where}: must not be null";
                    return false;
                }

                if (LabelSyntax.ValidateKey(expression.Key ?? "") is { } keyError)
                {
                    error = $"{where}.key \"{expression.Key}\": {keyError}";
                    return false;
                }

                var values = expression.Values ?? [];
                Operator op;
                switch (expression.OperatorProperty)
                {
                    case "In":
                        op = Operator.In;
                        break;
                    case "NotIn":
                        op = Operator.NotIn;
                        break;
                    case "Exists":
                        op = Operator.Exists;
                        break;
                    case "DoesNotExist":
                        op = Operator.DoesNotExist;
                        break;
                    default:
                        error = $"{where}.operator \"{expression.OperatorProperty}\" is not a valid label selector operator (In, NotIn, Exists, DoesNotExist)";
                        return false;
                }

                if (op is Operator.In or Operator.NotIn && values.Count == 0)
                {
                    error = $"{where}.values: must be specified when operator is {expression.OperatorProperty}";
                    return false;
                }

                if (op is Operator.Exists or Operator.DoesNotExist && values.Count > 0)
                {
                    error = $"{where}.values: may not be specified when operator is {expression.OperatorProperty}";
                    return false;
                }

                foreach (var value in values)
                {
                    if (LabelSyntax.ValidateValue(value ?? "") is { } valueError)
                    {
                        error = $"{where}.values: \"{value}\": {valueError}";
                        return false;
                    }
                }

                requirements.Add(new Requirement(expression.Key!, op, values.Select(v => v ?? "").ToFrozenSet(StringComparer.Ordinal)));
            }
        }

        compiled = new LabelSelector([.. requirements], matchesNothing: false);
        return true;
    }

    /// <summary>Compiles a selector or throws <see cref="ArgumentException"/> with the reason.</summary>
    public static LabelSelector Compile(V1LabelSelector? selector) =>
        TryCompile(selector, out var compiled, out var error) ? compiled : throw new ArgumentException(error, nameof(selector));

    /// <summary>True when an object with these labels is selected.</summary>
    public bool Matches(IDictionary<string, string>? labels)
    {
        if (MatchesNothing)
        {
            return false;
        }

        foreach (var requirement in _requirements)
        {
            string? value = null;
            var has = labels is not null && labels.TryGetValue(requirement.Key, out value);
            var ok = requirement.Operator switch
            {
                Operator.In => has && requirement.Values.Contains(value ?? ""),
                Operator.NotIn => !has || !requirement.Values.Contains(value ?? ""),
                Operator.Exists => has,
                Operator.DoesNotExist => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString()
    {
        if (MatchesNothing)
        {
            return "<none>";
        }

        return _requirements.Length == 0 ? "<everything>" : string.Join(",", _requirements.Select(r => r.ToString()));
    }

    internal enum Operator
    {
        In,
        NotIn,
        Exists,
        DoesNotExist,
    }

    internal sealed record Requirement(string Key, Operator Operator, FrozenSet<string> Values)
    {
        public override string ToString() => Operator switch
        {
            Operator.In when Values.Count == 1 => $"{Key}={Values.First()}",
            Operator.In => $"{Key} in ({string.Join(",", Values.Order(StringComparer.Ordinal))})",
            Operator.NotIn => $"{Key} notin ({string.Join(",", Values.Order(StringComparer.Ordinal))})",
            Operator.Exists => Key,
            _ => "!" + Key,
        };
    }
}
