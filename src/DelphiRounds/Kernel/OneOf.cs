using FluentValidation;
using FluentValidation.Validators;

namespace DelphiRounds.Kernel;

/// <summary>A rule that a text is one of a fixed list; the OpenAPI document shows the list as the field's <c>enum</c>.</summary>
public interface IOneOfValidator
{
    IReadOnlyList<string> Values { get; }
}

/// <summary>The value must be one of <see cref="Values"/> (null passes: <c>NotNull</c>/<c>NotEmpty</c> say whether it is required).</summary>
public sealed class OneOfValidator<T>(IReadOnlyList<string> values) : PropertyValidator<T, string?>, IOneOfValidator
{
    public IReadOnlyList<string> Values { get; } = values;
    public override string Name => "OneOfValidator";
    public override bool IsValid(ValidationContext<T> context, string? value) => value is null || Values.Contains(value, StringComparer.Ordinal);

    protected override string GetDefaultMessageTemplate(string errorCode) =>
        "{PropertyName}: use one of " + string.Join(", ", Values) + ".";
}

public static class OneOfExtensions
{
    /// <summary>The value must be one of <paramref name="values"/>.</summary>
    public static IRuleBuilderOptions<T, string?> OneOf<T>(this IRuleBuilder<T, string?> rule, IEnumerable<string> values) =>
        rule.SetValidator(new OneOfValidator<T>(values.ToList()));
}
