public enum KanbotsStorePlaceholder {}
