//! The to-do items: the model, what clients may send, and the SQL.

mod changes;
mod filter;
mod model;
mod repository;
mod timestamp;

pub use changes::{NewTodo, TodoChanges};
pub use filter::ListFilter;
pub use model::Todo;
pub use repository::TodoRepository;
