using System.Runtime.InteropServices;

namespace Triggers.Core.Selectors;

/// <summary>
/// The objects of one list indexed by label, so that a selector is matched against the few
/// objects that can satisfy it instead of all of them. <see cref="Select"/> returns exactly what
/// filtering the whole list with <see cref="LabelSelector.Matches"/> returns, in list order: the
/// index only narrows the candidates (by the requirement that names the fewest objects: an
/// <c>In</c> value set or an <c>Exists</c> key), and every candidate is still matched in full.
/// </summary>
public sealed class LabelIndex<T>
    where T : class
{
    private readonly T[] _items;
    private readonly IDictionary<string, string>?[] _labels;

    // label key -> label value -> positions (ascending) of the objects with that pair; null when the index cannot be trusted.
    private readonly Dictionary<string, Dictionary<string, List<int>>>? _byPair;

    // label key -> positions (ascending) of the objects that have the key.
    private readonly Dictionary<string, List<int>>? _byKey;

    public LabelIndex(IReadOnlyList<T> items, Func<T, IDictionary<string, string>?> labels)
    {
        _items = [.. items];
        _labels = new IDictionary<string, string>?[_items.Length];
        var byPair = new Dictionary<string, Dictionary<string, List<int>>>(StringComparer.Ordinal);
        var byKey = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var exact = true;
        for (var i = 0; i < _items.Length; i++)
        {
            var itemLabels = labels(_items[i]);
            _labels[i] = itemLabels;
            if (itemLabels is null)
            {
                continue;
            }

            // A dictionary that compares keys other than ordinally could find a key the index would miss: match everything then.
            if (itemLabels is not Dictionary<string, string> dictionary ||
                !(ReferenceEquals(dictionary.Comparer, EqualityComparer<string>.Default) || ReferenceEquals(dictionary.Comparer, StringComparer.Ordinal)))
            {
                exact = false;
                continue;
            }

            foreach (var (key, value) in dictionary)
            {
                ref var withKey = ref CollectionsMarshal.GetValueRefOrAddDefault(byKey, key, out _);
                withKey ??= [];
                withKey.Add(i);
                ref var values = ref CollectionsMarshal.GetValueRefOrAddDefault(byPair, key, out _);
                values ??= new Dictionary<string, List<int>>(StringComparer.Ordinal);
                ref var positions = ref CollectionsMarshal.GetValueRefOrAddDefault(values, value ?? "", out _);
                positions ??= [];
                positions.Add(i);
            }
        }

        if (exact)
        {
            _byPair = byPair;
            _byKey = byKey;
        }
    }

    public int Count => _items.Length;

    /// <summary>False when some object's labels use a key comparison the index cannot mirror: every selector is then matched against every object.</summary>
    public bool IsIndexed => _byPair is not null;

    /// <summary>The objects the selector matches, in list order.</summary>
    public IReadOnlyList<T> Select(LabelSelector selector)
    {
        if (selector.MatchesNothing)
        {
            return [];
        }

        if (selector.MatchesEverything)
        {
            return _items;
        }

        if (_byPair is null || _byKey is null)
        {
            return Filter(selector, null);
        }

        // The requirement with the fewest candidates; NotIn and DoesNotExist do not narrow.
        LabelSelector.Requirement? best = null;
        var bestCount = int.MaxValue;
        foreach (var requirement in selector.Requirements)
        {
            int count;
            switch (requirement.Operator)
            {
                case LabelSelector.Operator.In:
                    count = 0;
                    if (_byPair.TryGetValue(requirement.Key, out var values))
                    {
                        foreach (var value in requirement.Values)
                        {
                            count += values.TryGetValue(value, out var positions) ? positions.Count : 0;
                        }
                    }

                    break;
                case LabelSelector.Operator.Exists:
                    count = _byKey.TryGetValue(requirement.Key, out var withKey) ? withKey.Count : 0;
                    break;
                default:
                    continue;
            }

            if (count < bestCount)
            {
                best = requirement;
                bestCount = count;
            }
        }

        if (best is null)
        {
            return Filter(selector, null);
        }

        if (bestCount == 0)
        {
            return [];
        }

        List<int> candidates;
        if (best.Operator == LabelSelector.Operator.Exists)
        {
            candidates = _byKey[best.Key];
        }
        else
        {
            var values = _byPair[best.Key];
            candidates = new List<int>(bestCount);
            foreach (var value in best.Values)
            {
                if (values.TryGetValue(value, out var positions))
                {
                    candidates.AddRange(positions);
                }
            }

            // An object has one value per key, so the lists are disjoint: only their order is to restore.
            if (best.Values.Count > 1)
            {
                candidates.Sort();
            }
        }

        return Filter(selector, candidates);
    }

    private List<T> Filter(LabelSelector selector, List<int>? candidates)
    {
        var result = new List<T>();
        if (candidates is null)
        {
            for (var i = 0; i < _items.Length; i++)
            {
                if (selector.Matches(_labels[i]))
                {
                    result.Add(_items[i]);
                }
            }
        }
        else
        {
            foreach (var i in candidates)
            {
                if (selector.Matches(_labels[i]))
                {
                    result.Add(_items[i]);
                }
            }
        }

        return result;
    }
}
