import torch

model = torch.nn.Linear(8, 8)
target_net = torch.nn.Linear(8, 8)
optimizer = torch.optim.Adam(model.parameters())
mse = torch.nn.MSELoss()


def td_step(state, next_state, reward):
    optimizer.zero_grad()
    target = reward + 0.99 * target_net(next_state).max(1).values.detach()
    loss = mse(model(state).max(1).values, target)
    loss.backward()
    optimizer.step()
