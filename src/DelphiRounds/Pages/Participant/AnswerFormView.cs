namespace DelphiRounds.Pages.Participant;

/// <summary>The answer form of one item card (partial <c>_AnswerForm</c>).</summary>
public sealed record AnswerFormView(ItemCard Card, QuestionnaireModel Page);
