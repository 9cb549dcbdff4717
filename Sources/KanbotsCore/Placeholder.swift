public enum KanbotsCorePlaceholder {}
