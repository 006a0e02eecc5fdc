using System.Collections;
using System.Runtime.CompilerServices;
using FluentValidation;
using FluentValidation.Validators;

namespace DelphiRounds.Kernel;

/// <summary>A rule on the size of a list or a map; the OpenAPI document shows it as <c>minItems</c>/<c>maxItems</c> (or <c>minProperties</c>/<c>maxProperties</c>).</summary>
public interface ICountValidator
{
    int? Min { get; }
    int? Max { get; }
}

/// <summary>A list (or map) of <see cref="Min"/> to <see cref="Max"/> entries; null passes (<c>NotNull</c>/<c>NotEmpty</c> say whether it is required).</summary>
public sealed class CountValidator<T, TCollection>(int? min, int? max) : PropertyValidator<T, TCollection>, ICountValidator
{
    public int? Min { get; } = min;
    public int? Max { get; } = max;
    public override string Name => "CountValidator";

    public override bool IsValid(ValidationContext<T> context, TCollection value)
    {
        if (value is null) return true;
        var count = value switch
        {
            ICollection c => c.Count,
            IEnumerable e => e.Cast<object?>().Count(),
            _ => 0,
        };
        return (Min is null || count >= Min) && (Max is null || count <= Max);
    }

    protected override string GetDefaultMessageTemplate(string errorCode) =>
        "{PropertyName}: " + (Min, Max) switch
        {
            ({ } a, { } b) => $"give {a} to {b} entries.",
            ({ } a, null) => $"give at least {a} entries.",
            (null, { } b) => $"at most {b} entries.",
            _ => "any number of entries.",
        };
}

/// <summary>
/// A rule JSON Schema cannot say (a comparison between fields, a check on the whole request, a rule about a list's entries
/// together): a name the OpenAPI document's <c>x-rules</c> carry, the plain words its description carries, and the fields it
/// compares. Use <c>Holds(name, description, …)</c> instead of a bare <c>Must</c>, so the rule is documented.
/// </summary>
public interface IDescribedRule
{
    /// <summary>A short machine-readable name, e.g. <c>groupOrGroupId</c>.</summary>
    string Rule { get; }
    /// <summary>The rule in plain words, e.g. "give groupId or group".</summary>
    string Description { get; }
    /// <summary>The other fields the rule looks at (empty: only its own).</summary>
    IReadOnlyList<string> Fields { get; }
}

public sealed class DescribedPredicate<T, TProperty>(string rule, string description, IReadOnlyList<string> fields, Func<T, TProperty, bool> predicate)
    : PropertyValidator<T, TProperty>, IDescribedRule
{
    public string Rule { get; } = rule;
    public string Description { get; } = description;
    public IReadOnlyList<string> Fields { get; } = fields;
    public override string Name => "DescribedPredicate";
    public override bool IsValid(ValidationContext<T> context, TProperty value) => predicate(context.InstanceToValidate, value);
    protected override string GetDefaultMessageTemplate(string errorCode) => "{PropertyName}: " + Description + ".";
}

/// <summary>Conditions (<c>When</c>) in plain words, so the OpenAPI document can say when a rule applies.</summary>
public interface IDocumentedConditions
{
    /// <summary>When <paramref name="rule"/> applies, in plain words (null: it has no documented condition).</summary>
    string? ConditionOf(IValidationRule rule);
}

/// <summary>
/// A validator whose conditional rules say in plain words when they apply: <c>When("kind is numeric", i => …, () => …)</c>.
/// A condition on a single rule component (<c>.NotEmpty().When(…)</c>) cannot be described; write it as a block.
/// </summary>
public abstract class DocumentedValidator<T> : AbstractValidator<T>, IDocumentedConditions
{
    private readonly ConditionalWeakTable<IValidationRule, string> _conditions = new();

    public string? ConditionOf(IValidationRule rule) => _conditions.TryGetValue(rule, out var c) ? c : null;

    /// <summary>The rules made in <paramref name="action"/> apply when <paramref name="predicate"/> holds, described as <paramref name="description"/>.</summary>
    protected void When(string description, Func<T, bool> predicate, Action action)
    {
        var before = CreateDescriptor().Rules.ToList();
        When(predicate, action);
        foreach (var rule in CreateDescriptor().Rules.Where(r => !before.Contains(r)))
        {
            var inner = ConditionOf(rule);
            _conditions.AddOrUpdate(rule, inner is null ? description : $"{description} and {inner}");
        }
    }
}

public static class DocumentedRuleExtensions
{
    /// <summary>The list (or map) has <paramref name="min"/> to <paramref name="max"/> entries (null: no bound).</summary>
    public static IRuleBuilderOptions<T, TCollection> Count<T, TCollection>(this IRuleBuilder<T, TCollection> rule, int? min = null, int? max = null)
        where TCollection : IEnumerable? =>
        rule.SetValidator(new CountValidator<T, TCollection>(min, max));

    /// <summary>A <c>Must</c> with a name and plain words for the OpenAPI document; <paramref name="fields"/> are the other fields it looks at.</summary>
    public static IRuleBuilderOptions<T, TProperty> Holds<T, TProperty>(this IRuleBuilder<T, TProperty> rule, string name, string description,
        Func<T, TProperty, bool> predicate, params string[] fields) =>
        rule.SetValidator(new DescribedPredicate<T, TProperty>(name, description, fields, predicate));

    /// <inheritdoc cref="Holds{T,TProperty}(IRuleBuilder{T,TProperty},string,string,Func{T,TProperty,bool},string[])"/>
    public static IRuleBuilderOptions<T, TProperty> Holds<T, TProperty>(this IRuleBuilder<T, TProperty> rule, string name, string description,
        Func<TProperty, bool> predicate) =>
        rule.SetValidator(new DescribedPredicate<T, TProperty>(name, description, [], (_, v) => predicate(v)));
}
