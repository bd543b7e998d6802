import torch
from torch import nn


class CircleModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer_1 = nn.Linear(2, 10)
        self.drop = nn.Dropout(0.2)
        self.layer_2 = nn.Linear(10, 1)

    def forward(self, x):
        return self.layer_2(self.drop(torch.relu(self.layer_1(x))))


model = CircleModel().to("cpu")
loss_fn = nn.BCEWithLogitsLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
X_train, y_train = torch.randn(64, 2), torch.rand(64)
X_test, y_test = torch.randn(16, 2), torch.rand(16)
for epoch in range(100):
    loss = loss_fn(model(X_train).squeeze(), y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    model.eval()  # GL107
    with torch.inference_mode():
        test_loss = loss_fn(model(X_test).squeeze(), y_test)
